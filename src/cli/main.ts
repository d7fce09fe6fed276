/**
 * `album-api <command>`: serve, and the operator's commands that create and list
 * organizations, users and secrets, print tokens and upload files. Commands that create
 * print one JSON object; `token` prints the token; listings print columns (`--json`: JSON).
 */
import { parseArgs } from './args.ts';

const USAGE = `usage: album-api <command>
  serve                                             run the service (API, media host, in-process worker unless WORKERS=0)
  worker                                            run background jobs only
  org create --name N                               create an organization
  orgs list [--json]
  user create --org ID --email E [--fullname F] [--admin]
  users list [--json]
  secret create --org ID --name N
  secrets list [--org ID] [--json]                  ids and names; a secret's value is shown only at creation
  token [--user ID | --email E [--org ID]] [--abilities JSON] [--ttl SECONDS]
                                                    a user token (the first admin's without --user/--email)
  upload <files or folders...> --album ID [--csv FILE] [--concurrency N] [--chunk-size BYTES] [--json] [--user ID | --email E]
  upload <files or folders...> <album> [<JSON metadatas>]   (SharinPix's form, when <album> is no file or folder)
                                                    upload through the album's form, in chunks past --chunk-size;
                                                    --csv: lines of "path,album"`;

/** Flags that never take a value, so `--json path` leaves `path` an argument. */
const SWITCHES = new Set(['admin', 'json']);

/** The singular works for listings too: `user list` is `users list`. */
const ALIASES: Record<string, string> = { 'org list': 'orgs list', 'user list': 'users list', 'secret list': 'secrets list' };

export async function main(argv: string[]): Promise<void> {
  const [command = '', sub = '', ...rest] = argv;
  try {
    // Each command loads only its own modules: `token` does not wait for the HTTP server's.
    if (command === 'serve') return await (await import('./serve.ts')).serve();
    if (command === 'worker') return await (await import('./worker.ts')).worker();
    if (command === 'upload') {
      const { flags, positional } = parseArgs(argv.slice(1), SWITCHES);
      return await (await import('./upload-command.ts')).uploadCommand(flags, positional);
    }
    const { accountCommands } = await import('./account-commands.ts');
    const withSub = accountCommands[ALIASES[`${command} ${sub}`] ?? `${command} ${sub}`];
    const run = withSub ?? accountCommands[command];
    if (!run) {
      console.error(USAGE);
      process.exitCode = 2;
      return;
    }
    const { flags, positional } = parseArgs(withSub ? rest : argv.slice(1), SWITCHES);
    if (positional.length) throw new Error(`unexpected argument: ${positional[0]}`);
    await run(flags);
  } catch (err) {
    console.error(`album-api: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
