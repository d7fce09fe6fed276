/** Closes `target` once on SIGINT or SIGTERM, then exits: running jobs and requests finish first. */
export function stopOnSignals(target: { close(): Promise<void> }): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await target.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
