// Field paths printed the way apimachinery's field.Path prints them.

/**
 * A path is its parent and one step; the text is built on first use only. Rules make a path for every field they
 * look at and print few of them (only those with an error), so most are never turned into text.
 */
export class FieldPath {
  private text: string | undefined;

  private constructor(
    private readonly parent: FieldPath | undefined,
    /** A field name, or an index or map key (printed in brackets). */
    private readonly step: string | number,
    private readonly bracketed: boolean,
  ) {}

  static root(name: string): FieldPath {
    const p = new FieldPath(undefined, name, false);
    p.text = name;
    return p;
  }

  child(name: string): FieldPath {
    return new FieldPath(this, name, false);
  }

  index(i: number): FieldPath {
    return new FieldPath(this, i, true);
  }

  /** A map key: spec.nodeSelector[dedicated/egress]. */
  key(k: string): FieldPath {
    return new FieldPath(this, k, true);
  }

  toString(): string {
    if (this.text === undefined) {
      const parent = this.parent!.toString();
      // A child of an empty root ("") has no leading dot, as before.
      this.text = this.bracketed ? `${parent}[${this.step}]` : parent ? `${parent}.${this.step}` : String(this.step);
    }
    return this.text;
  }
}
