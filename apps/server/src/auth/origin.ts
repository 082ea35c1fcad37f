/**
 * The page's own origin, and the one check every door uses against a browser's Origin header.
 *
 * A browser sends Origin already serialized: lower-case host, IPv4 in dotted decimal, no
 * userinfo, no path, no default port. Our own page's requests therefore carry exactly
 * `<scheme>://<Host header>`; anything else (another case, a trailing slash, "user@", a numeric or
 * hex IPv4, "null") did not come from our page and is refused. No lenient URL parsing: a parser
 * that "understands" `http://2130706433:8080` or `http://127.0.0.1:8080\@x` is what let them in.
 */

/**
 * `http://host[:port]` or `https://…` as a browser serializes our origin, from the Host header of
 * the request; null when that header is missing or not in the form a browser sends it.
 */
export function pageOrigin(host: string | undefined, secure: boolean): string | null {
  if (host === undefined || host === '' || host.length > 300) return null;
  const scheme = secure ? 'https' : 'http';
  let canonical: string;
  try {
    // Only used to learn whether the Host header is already canonical (as browsers send it):
    // the result must be the very same text, or the header is refused.
    canonical = new URL(`${scheme}://${host}`).host;
  } catch {
    return null;
  }
  return canonical === host ? `${scheme}://${host}` : null;
}

/**
 * True when the request may be from our own page: no Origin header (a browser's same-origin GET,
 * or a client that is not a browser — the SameSite=Strict cookie and the CSRF token guard those),
 * or an Origin that is exactly our page's origin. Repeated headers are refused.
 */
export function sameOrigin(
  origin: string | string[] | undefined,
  host: string | string[] | undefined,
  secure: boolean,
): boolean {
  if (origin === undefined) return true;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  const own = pageOrigin(host, secure);
  return own !== null && origin === own;
}

/** The refusal of a change sent from another origin: what came, what was expected, what to do. */
export function foreignOriginMessage(
  origin: string | string[] | undefined,
  host: string | string[] | undefined,
  secure: boolean,
): string {
  const own = typeof host === 'string' ? pageOrigin(host, secure) : null;
  return `refused: this change was sent from the origin ${JSON.stringify(origin)}, not from walboard's own page${own ? ` (${own})` : ''}. Open walboard at its own address and try again.`;
}
