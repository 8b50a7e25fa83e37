import type { InputProblem } from './inputs.js';
import type { ValidationReport } from './validate.js';

// Three ways to print a report: for people (text), for programs (json), for GitHub Actions (annotations).

export type OutputFormat = 'text' | 'json' | 'github';

export interface Counts {
  resources: number;
  invalid: number;
  withWarnings: number;
  unreadable: number;
}

export function countsOf(report: ValidationReport, problems: readonly InputProblem[]): Counts {
  return {
    resources: report.resources.length,
    invalid: report.resources.filter((r) => r.findings.some((f) => f.severity === 'error')).length,
    withWarnings: report.resources.filter((r) => r.findings.some((f) => f.severity === 'warning')).length,
    unreadable: report.unreadable.length + problems.length,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summaryLine(report: ValidationReport, counts: Counts): string {
  let s = `${plural(counts.resources, 'resource')} in ${plural(report.files, 'file')}: ${counts.invalid} invalid, ${counts.withWarnings} with warnings`;
  if (counts.unreadable > 0) s += `, ${counts.unreadable} unreadable`;
  if (report.ignored > 0) s += `; ${plural(report.ignored, 'object')} of other kinds ignored`;
  return s;
}

function text(report: ValidationReport, problems: readonly InputProblem[], counts: Counts): string[] {
  const lines: string[] = [];
  for (const p of problems) lines.push(`${p.path}: error: ${p.message}`);
  for (const u of report.unreadable) lines.push(`${u.file}:${u.line}:${u.column}: error: not valid YAML: ${u.message}`);
  for (const r of report.resources) {
    const what = `${r.kind} ${JSON.stringify(r.name)}`;
    for (const f of r.findings) {
      lines.push(f.severity === 'error' ? `${r.file}:${r.line}: ${what} is invalid: ${f.message}` : `${r.file}:${r.line}: ${what}: Warning: ${f.message}`);
    }
  }
  lines.push(summaryLine(report, counts));
  return lines;
}

// Workflow commands: data escapes %, CR, LF; properties also ':' and ','.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function github(report: ValidationReport, problems: readonly InputProblem[], counts: Counts): string[] {
  const lines: string[] = [];
  for (const p of problems) lines.push(`::error file=${escapeProperty(p.path)}::${escapeData(p.message)}`);
  for (const u of report.unreadable) {
    lines.push(`::error file=${escapeProperty(u.file)},line=${u.line},col=${u.column},title=not valid YAML::${escapeData(u.message)}`);
  }
  for (const r of report.resources) {
    const title = escapeProperty(`${r.kind} ${r.name}`);
    for (const f of r.findings) {
      lines.push(`::${f.severity} file=${escapeProperty(r.file)},line=${r.line},title=${title}::${escapeData(f.message)}`);
    }
  }
  lines.push(summaryLine(report, counts));
  return lines;
}

function json(report: ValidationReport, problems: readonly InputProblem[], counts: Counts): string[] {
  const out = {
    summary: counts,
    resources: report.resources.map((r) => ({
      file: r.file,
      line: r.line,
      kind: r.kind,
      name: r.name,
      valid: !r.findings.some((f) => f.severity === 'error'),
      errors: r.findings.filter((f) => f.severity === 'error').map((f) => ({ field: f.field, message: f.message, rule: f.rule })),
      warnings: r.findings.filter((f) => f.severity === 'warning').map((f) => ({ message: f.message, rule: f.rule })),
    })),
    unreadable: [...problems.map((p) => ({ file: p.path, message: p.message })), ...report.unreadable],
    ignored: report.ignored,
  };
  return [JSON.stringify(out, null, 2)];
}

export function render(format: OutputFormat, report: ValidationReport, problems: readonly InputProblem[]): string {
  const counts = countsOf(report, problems);
  const lines = format === 'json' ? json(report, problems, counts) : format === 'github' ? github(report, problems, counts) : text(report, problems, counts);
  return `${lines.join('\n')}\n`;
}
