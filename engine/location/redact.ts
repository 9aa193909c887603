// Location URIs appear in error messages and logs; their passwords must not.

/** The URI with any `user:password@` password replaced by `***`. */
export function redactUri(uri: string): string {
  return String(uri).replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
}
