import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseManifests } from '../src/cluster/manifests.js';
import { fromRoot } from './helpers/paths.js';
import { reviewOf, startWebhook, type TestWebhook } from './helpers/webhook.js';

// Every example of the source documents (test/fixtures/seeds, copied unchanged) is allowed unchanged,
// without warnings, against the shipped example cluster state, and defaulting adds nothing to it.

const files = ['cni-cilium-examples-en.yaml', 'cni-cilium-examples-ru.yaml', 'platform-guide-egress.yaml'];

describe('seed examples', () => {
  let wh: TestWebhook;
  before(async () => {
    wh = await startWebhook();
  });
  after(() => wh.close());

  for (const file of files) {
    const manifests = parseManifests(readFileSync(fromRoot(`test/fixtures/seeds/${file}`), 'utf8'));
    it(`${file} holds the examples`, () => assert.equal(manifests.length, 3));
    for (const { object, line } of manifests) {
      const what = `${file}:${line} ${object['kind']} ${(object['metadata'] as { name: string }).name}`;
      it(`${what} is allowed without warnings`, async () => {
        const res = await wh.review('/validate', reviewOf(object));
        assert.deepEqual(res, { uid: res.uid, allowed: true });
      });
      it(`${what} is not changed by defaulting`, async () => {
        const res = await wh.review('/mutate', reviewOf(object));
        assert.deepEqual(res, { uid: res.uid, allowed: true });
      });
    }
  }
});
