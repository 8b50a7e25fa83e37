import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { kinds } from '../src/resources/registry.js';
import { catalogue, kindNames, type RuleEntry } from '../src/rules/catalogue.js';
import { runExample, withGeneratedDocs } from './docs/rule-docs.js';
import { fromRoot } from './helpers/paths.js';

// Every rule of the catalogue, by its own examples, through the webhook's defaulting and validation: each failing
// example finds the rule with its effect, the passing one does not find it at all.

const severity = (e: RuleEntry) => (typeof e.effect === 'string' ? e.effect : e.effect.default);

describe('rule catalogue', () => {
  it('has unique ids and names only known kinds', () => {
    const ids = catalogue.map((r) => r.id);
    assert.deepEqual(ids.length, new Set(ids).size);
    for (const r of catalogue) for (const k of r.kinds) assert.ok((kindNames as readonly string[]).includes(k), `${r.id}: ${k}`);
  });

  it('the registry has exactly one descriptor per kind of the catalogue', () => {
    assert.deepEqual(kinds.map((k) => k.kind).sort(), [...kindNames].sort());
  });

  for (const entry of catalogue as readonly RuleEntry[]) {
    describe(entry.id, () => {
      entry.fails.forEach((ex, i) => {
        it(`failing example ${i + 1}${ex.shows ? ` (${ex.shows})` : ''} is found as ${severity(entry)}`, async () => {
          const r = await runExample(entry, ex);
          const found = severity(entry) === 'deny' ? r.errors : r.warnings;
          assert.ok(
            found.some((x) => x.rule === entry.id),
            `expected a ${severity(entry)} of ${entry.id}; got ${JSON.stringify(r)}`,
          );
        });
      });
      it('passing example is not found', async () => {
        const r = await runExample(entry, entry.passes);
        assert.deepEqual([...r.errors, ...r.warnings].filter((x) => x.rule === entry.id), []);
      });
    });
  }

  it('the README rule tables and metric label values are generated from it (run `npm run docs` when this fails)', async () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    assert.equal(readme, await withGeneratedDocs(readme));
  });
});
