/** The real CLI (`node bin/album-api.js ...`) as a child process, as an operator runs it. */
import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `album-api <args>` (or, with `shell`, whole command lines run by bash, as a reader pastes them)
 * in the repository root with the test's environment plus `env`.
 */
export function runCli(args: string[] | { shell: string }, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const child = Array.isArray(args)
    ? spawn(process.execPath, ['bin/album-api.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('bash', ['-c', args.shell], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
