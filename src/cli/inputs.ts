import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

// What `validate -f` reads: files, directories (recursively: .yaml, .yml, .json) and standard input.

export interface InputFile {
  /** As given, or "<stdin>"; directory entries joined to the directory as given. */
  path: string;
  text: string;
}

export interface InputProblem {
  path: string;
  message: string;
}

const manifestFile = /\.(ya?ml|json)$/i;
/** Folders that hold no manifests of the repository itself: `validate -f .` must not read a package's JSON. */
export const skippedDirectories = ['node_modules', '.git'];

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!skippedDirectories.includes(e.name)) await walk(path, out);
    } else if (e.isFile() && manifestFile.test(e.name)) out.push(path);
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function readInputs(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<{ files: InputFile[]; problems: InputProblem[] }> {
  const files: InputFile[] = [];
  const problems: InputProblem[] = [];
  for (const path of paths) {
    if (path === '-') {
      files.push({ path: '<stdin>', text: await readStdin(stdin) });
      continue;
    }
    try {
      if ((await stat(path)).isDirectory()) {
        const found: string[] = [];
        await walk(path, found);
        for (const f of found) files.push({ path: f, text: await readFile(f, 'utf8') });
      } else {
        files.push({ path, text: await readFile(path, 'utf8') });
      }
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      problems.push({ path, message: err.code === 'ENOENT' ? 'no such file or directory' : err.message });
    }
  }
  return { files, problems };
}
