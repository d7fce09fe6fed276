/**
 * Rows read in the last few seconds, by id: the users and secrets that tokens name. Every
 * authenticated request looks one up, and neither changes once made (the service has no update
 * or delete for them), so remembering them saves each request a query (a round trip on
 * PostgreSQL). Only rows found are kept, so a row another process has just made is found at
 * once; each is kept `freshMs`, so one removed from the database by hand stops authenticating
 * within that time; at most `maxRows`, the oldest read dropped first.
 */
export class RecentRows<T> {
  private readonly rows = new Map<string, { row: T; until: number }>();

  constructor(
    private readonly load: (id: string) => Promise<T | undefined>,
    private readonly freshMs: number,
    private readonly maxRows: number,
  ) {}

  async get(id: string): Promise<T | undefined> {
    const now = Date.now();
    const kept = this.rows.get(id);
    if (kept && kept.until > now) return kept.row;
    const row = await this.load(id);
    this.rows.delete(id);
    if (row === undefined) return undefined;
    if (this.rows.size >= this.maxRows) this.rows.delete(this.rows.keys().next().value!);
    this.rows.set(id, { row, until: now + this.freshMs });
    return row;
  }
}
