/** The options of `ng add ngx-auth-socket` (schema.json). */
export interface NgAddOptions {
  /** The application; defaults to the workspace's only (or default) application. */
  project?: string;
  /** The socket URL passed to `provideAuthSocket({ url })`. */
  url: string;
}
