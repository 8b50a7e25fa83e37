import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { InputProblem } from './inputs.js';
import type { ValidationReport } from './validate.js';
import { packageVersion } from '../server/version.js';
import { isRuleId, ruleEntry } from '../rules/catalogue.js';

// Ways to print a report: for people (text), for programs (json), for GitHub Actions (annotations), for code
// scanning (SARIF 2.1.0) and for CI test reports (JUnit XML).

export const outputFormats = ['text', 'json', 'github', 'sarif', 'junit'] as const;
export type OutputFormat = (typeof outputFormats)[number];

export interface RenderOptions {
  /** --strict: warnings fail too (JUnit reports them as failures). */
  strict?: boolean;
}

/** Rule ids of problems found before any rule runs. */
const unreadableRule = 'input-unreadable';
const syntaxRule = 'yaml-syntax';

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
      lines.push(f.severity === 'error' ? `${r.file}:${f.line}: ${what} is invalid: ${f.message}` : `${r.file}:${f.line}: ${what}: Warning: ${f.message}`);
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
      lines.push(`::${f.severity} file=${escapeProperty(r.file)},line=${f.line},title=${title}::${escapeData(f.message)}`);
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
      errors: r.findings.filter((f) => f.severity === 'error').map((f) => ({ field: f.field, line: f.line, message: f.message, rule: f.rule })),
      warnings: r.findings.filter((f) => f.severity === 'warning').map((f) => ({ line: f.line, message: f.message, rule: f.rule })),
    })),
    unreadable: [...problems.map((p) => ({ file: p.path, message: p.message })), ...report.unreadable],
    ignored: report.ignored,
  };
  return [JSON.stringify(out, null, 2)];
}

/** A path as a SARIF artifact URI: relative paths stay relative (to the repository root), with forward slashes. */
function artifactUri(path: string): string {
  if (path === '<stdin>') return 'stdin';
  const slashed = path.replace(/\\/g, '/');
  const encoded = slashed.split('/').map(encodeURIComponent).join('/');
  return slashed.startsWith('/') ? `file://${encoded}` : encoded.replace(/^\.\//, '');
}

function sarif(report: ValidationReport, problems: readonly InputProblem[]): string[] {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const indexOf = (id: string, description: string) => {
    let i = ruleIndex.get(id);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(id, i);
      rules.push({ id, name: id, shortDescription: { text: description } });
    }
    return i;
  };
  const result = (ruleId: string, description: string, level: 'error' | 'warning', text: string, file: string, line: number, column?: number): Result => ({
    ruleId,
    ruleIndex: indexOf(ruleId, description),
    level,
    message: { text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(file) },
          region: { startLine: Math.max(1, line), ...(column ? { startColumn: column } : {}) },
        },
      },
    ],
  });
  const results: Result[] = [];
  for (const p of problems) results.push(result(unreadableRule, 'An input file or directory could not be read', 'error', p.message, p.path, 1));
  for (const u of report.unreadable) results.push(result(syntaxRule, 'A manifest is not valid YAML or JSON', 'error', `not valid YAML: ${u.message}`, u.file, u.line, u.column));
  for (const r of report.resources) {
    for (const f of r.findings) {
      results.push(result(f.rule, isRuleId(f.rule) ? ruleEntry(f.rule).summary : `egress-gateway-webhook rule ${f.rule}`, f.severity, `${r.kind} ${JSON.stringify(r.name)}: ${f.message}`, r.file, f.line));
    }
  }
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'egress-gateway-webhook', version: packageVersion(), semanticVersion: packageVersion(), rules } }, results }],
  };
  return [JSON.stringify(log, null, 2)];
}

/** XML 1.0 text: the five entities escaped, characters XML cannot carry dropped. */
const xml = (s: string) =>
  s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** One test suite per file, one test case per resource; errors (and warnings with --strict) are failures. */
function junit(report: ValidationReport, problems: readonly InputProblem[], opts: RenderOptions): string[] {
  interface Case {
    name: string;
    line: number;
    failures: string[];
    error?: string;
    out: string[];
  }
  const suites = new Map<string, Case[]>();
  const suite = (file: string) => {
    let cases = suites.get(file);
    if (!cases) suites.set(file, (cases = []));
    return cases;
  };
  for (const p of problems) suite(p.path).push({ name: p.path, line: 1, failures: [], error: p.message, out: [] });
  for (const u of report.unreadable) suite(u.file).push({ name: `${u.file}:${u.line}:${u.column}`, line: u.line, failures: [], error: `not valid YAML: ${u.message}`, out: [] });
  for (const r of report.resources) {
    const c: Case = { name: `${r.kind} ${r.name}`, line: r.line, failures: [], out: [] };
    for (const f of r.findings) {
      const text = `${r.file}:${f.line}: ${f.severity === 'warning' ? 'Warning: ' : ''}${f.message}`;
      if (f.severity === 'error' || opts.strict) c.failures.push(text);
      else c.out.push(text);
    }
    suite(r.file).push(c);
  }
  const count = (cases: Case[]) => ({
    tests: cases.length,
    failures: cases.filter((c) => c.failures.length > 0).length,
    errors: cases.filter((c) => c.error !== undefined).length,
  });
  const all = [...suites.values()].flat();
  const total = count(all);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="egress-gateway-webhook validate" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}">`];
  for (const [file, cases] of suites) {
    const n = count(cases);
    lines.push(`  <testsuite name="${xml(file)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="0">`);
    for (const c of cases) {
      const attrs = `classname="${xml(file)}" name="${xml(c.name)}" file="${xml(file)}" line="${c.line}"`;
      if (c.failures.length === 0 && c.error === undefined && c.out.length === 0) {
        lines.push(`    <testcase ${attrs}/>`);
        continue;
      }
      lines.push(`    <testcase ${attrs}>`);
      if (c.error !== undefined) lines.push(`      <error message="${xml(c.error)}" type="${unreadableRule}">${xml(c.error)}</error>`);
      if (c.failures.length > 0) {
        const first = c.failures[0]!;
        const more = c.failures.length > 1 ? ` (and ${c.failures.length - 1} more)` : '';
        lines.push(`      <failure message="${xml(first + more)}" type="invalid">${xml(c.failures.join('\n'))}</failure>`);
      }
      if (c.out.length > 0) lines.push(`      <system-out>${xml(c.out.join('\n'))}</system-out>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines;
}

export function render(format: OutputFormat, report: ValidationReport, problems: readonly InputProblem[], opts: RenderOptions = {}): string {
  const counts = countsOf(report, problems);
  const lines =
    format === 'json'
      ? json(report, problems, counts)
      : format === 'github'
        ? github(report, problems, counts)
        : format === 'sarif'
          ? sarif(report, problems)
          : format === 'junit'
            ? junit(report, problems, opts)
            : text(report, problems, counts);
  return `${lines.join('\n')}\n`;
}
