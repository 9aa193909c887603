// Location URIs and storage errors appear in error messages, labels, logs and the recents file;
// credentials must not. One function knows every form a credential takes in this project's text:
//   scheme://user:PASSWORD@host             URI userinfo (also inside another URI's query, decoded or %-encoded)
//   ?password=… &sslpassword=… &passfile=…   PostgreSQL connection parameters
//   aws_secret_access_key=… secretAccessKey: … AWS_SESSION_TOKEN=…   AWS secrets in any spelling
//   AKIA… / ASIA…                           AWS access key ids
// It works on any text (a whole message, not only a URI) and never throws.

const MASK = '***';

// user:password@ after a scheme. The password runs to the next @ (a decoded query parameter may
// hold a raw / ? or # in it); over-masking a port in a rare URI with an @ later is the safe side.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#'"]*):[^\s@'"]*@/gi;
// The same inside a %-encoded URI (an S3 endpoint given as a query parameter).
const USERINFO_ENCODED = /(%3A%2F%2F(?:(?!%3A|%40|[&\s])[^@/?#&\s])*)%3A(?:(?!%40)[^\s&#])*%40/gi;
// key=value parameters whose value is a secret (query strings, connection strings, env dumps).
const SECRET_PARAM =
  /((?:^|[?&;\s,{("'])(?:ssl)?(?:password|passwd|pwd|passfile|sslkey|token|secret|aws_secret_access_key|aws_session_token|secret_?access_?key|session_?token)\s*["']?\s*[=:]\s*["']?)([^&\s;,'")}]+)/gi;
const AWS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g;

/** The text with every credential replaced by `***` (user names, hosts and paths stay). */
export function redactSecrets(text: string): string {
  let s: string;
  try {
    s = String(text);
  } catch {
    return '[unprintable]';
  }
  return s
    .replace(USERINFO, `$1:${MASK}@`)
    .replace(USERINFO_ENCODED, `$1%3A${MASK}%40`)
    .replace(SECRET_PARAM, `$1${MASK}`)
    .replace(AWS_KEY_ID, `$1${MASK}`);
}

/** A location URI for showing or storing: the same as redactSecrets (kept for its callers' names). */
export function redactUri(uri: string): string {
  return redactSecrets(uri);
}

/** An error's message redacted, for logs and answers. */
export function redactError(e: unknown): string {
  return redactSecrets(e instanceof Error ? e.message : String(e));
}
