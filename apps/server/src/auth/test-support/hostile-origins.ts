// Spellings of a walboard's own address that a lenient URL parser reads as its host, and other
// origins, none of which a browser sends for the page walboard serves.
/** Origins that must never pass for a page served at http://127.0.0.1:<port>. */
export function hostileOrigins(port: number): string[] {
  return [
    `https://127.0.0.1:${port}`, // another scheme
    `HTTP://127.0.0.1:${port}`, // another case
    `http://127.0.0.1:${port}/`, // trailing slash
    `http://127.0.0.1:${port}/path`,
    `http://127.0.0.1:${port}?x=1`,
    `http://127.0.0.1:${port}#x`,
    `http://user@127.0.0.1:${port}`, // userinfo
    `http://127.0.0.1:${port}\\@evil.example`,
    `http://127.0.0.1:${port}@evil.example`,
    `http://evil.example\\@127.0.0.1:${port}`,
    `http://2130706433:${port}`, // 127.0.0.1 as one number
    `http://0x7f000001:${port}`, // … in hex
    `http://0x7f.0.0.1:${port}`,
    `http://0177.0.0.1:${port}`, // … in octal
    `http://127.1:${port}`, // … shortened
    `http://127.0.0.1:0${port}`, // leading zero in the port
    `http://127.0.0.1.:${port}`, // trailing dot
    `http://localhost:${port}`, // another host name for the same machine
    `http://127.0.0.1:${port + 1}`, // another port
    'http://127.0.0.1',
    'null', // sandboxed iframes, file: pages, some redirects
    '',
    'http://evil.example',
  ];
}
