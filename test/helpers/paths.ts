import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/helpers/ or test/helpers/. */
export const repoRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));
export const fromRoot = (p: string) => `${repoRoot}${p}`;
