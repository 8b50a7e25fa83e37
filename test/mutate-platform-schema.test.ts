import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdmissionRequest } from '../src/admission/envelope.js';
import { deckhouseAgents } from '../src/cluster/agents.js';
import { loadStateFiles } from '../src/cluster/file-state.js';
import { defaultRulesConfig } from '../src/resources/config.js';
import { kinds } from '../src/resources/registry.js';
import { catalogue, type RuleEntry } from '../src/rules/catalogue.js';
import { exampleObject, UnsyncedState } from './docs/rule-docs.js';
import { assertMutateAsDefined } from './helpers/mutate-oracle.js';
import { fromRoot } from './helpers/paths.js';

// The mutating webhook denies what the platform's CRD schema would also refuse, with the validating webhook's
// whole answer. It first runs only the checks of the rules flagged platformSchema; every example of the catalogue
// (failing and passing, in both enforcement modes) must get the answer the whole validation defines. The fuzz
// suite checks the same on generated objects.

describe('mutate: denials of platformSchema rules, as the whole validation defines them', () => {
  for (const enforcement of ['deny', 'warn'] as const) {
    it(`every example of the catalogue (--enforcement ${enforcement})`, async () => {
      const state = await loadStateFiles([fromRoot('examples/cluster-state.yaml')], deckhouseAgents);
      const counts = { denied: 0, patched: 0, skipped: 0 };
      const deniedRules = new Set<string>();
      for (const entry of catalogue as readonly RuleEntry[]) {
        if (entry.stage === 'manifest') continue;
        for (const ex of [...entry.fails, entry.passes]) {
          const operation = ex.operation ?? 'CREATE';
          if (operation === 'DELETE') continue;
          const object = exampleObject(entry, ex);
          const d = kinds.find((k) => k.kind === object['kind'])!;
          const request: AdmissionRequest = { uid: 'example', kind: { group: d.group, version: d.version, kind: d.kind }, operation, name: ex.name ?? 'example', object };
          if (ex.oldSpec !== undefined) request.oldObject = { ...object, spec: ex.oldSpec };
          const deps = { state: ex.state === 'unsynced' ? new UnsyncedState() : state, config: defaultRulesConfig, enforcement };
          const outcome = await assertMutateAsDefined(request, deps);
          counts[outcome]++;
          if (outcome === 'denied' && entry.fails.includes(ex)) deniedRules.add(entry.id);
        }
      }
      if (enforcement === 'warn') {
        assert.equal(counts.denied, 0, 'warn mode denies nothing');
      } else {
        // Each platformSchema rule's failing examples are denied by the mutating webhook already.
        const flagged = (catalogue as readonly RuleEntry[]).filter((e) => e.platformSchema).map((e) => e.id);
        assert.deepEqual([...deniedRules].filter((id) => flagged.includes(id)).sort(), [...flagged].sort());
        assert.ok(counts.patched > 20, `patched ${counts.patched}`);
      }
    });
  }
});
