import { readFileSync, writeFileSync } from 'node:fs';
import { fromRoot } from '../helpers/paths.js';
import { withGeneratedDocs } from './rule-docs.js';

// `npm run docs`: rewrites the README's generated blocks (rule tables, metric label values) from the catalogue.
const path = fromRoot('README.md');
const before = readFileSync(path, 'utf8');
const after = await withGeneratedDocs(before);
if (after !== before) writeFileSync(path, after);
process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md updated\n');
