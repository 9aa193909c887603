// The web host's upload of an import file: the request body streams to a temporary file (never
// held in memory) and is refused once it passes the host's import limit. Answers as /api/invoke
// does: a Result with the file's opaque id, which import.start then names.
import type { IncomingMessage } from 'node:http';
import type { Result } from '../../preload/contract.js';
import type { ImportSourceInfo } from '../../preload/streams-contract.js';
import { toContractError } from '../router/errors.js';
import { addUpload, MAX_IMPORT_UPLOAD_BYTES, UploadTooLarge } from './import-sources.js';

export async function receiveImportUpload(
  req: IncomingMessage,
  url: URL,
  limit = MAX_IMPORT_UPLOAD_BYTES,
): Promise<{ status: number; body: Result<ImportSourceInfo> }> {
  const fail = (status: number, message: string) => ({ status, body: { ok: false as const, error: { code: 'BadRequest' as const, message } } });
  if (req.method !== 'POST') return fail(405, 'use POST with the file as the request body');
  const name = url.searchParams.get('name');
  if (!name) return fail(400, 'name the file: POST /api/import-upload?name=rows.jsonl');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return fail(413, new UploadTooLarge(limit).message);
  try {
    return { status: 200, body: { ok: true, value: await addUpload(req, name, limit) } };
  } catch (e) {
    if (e instanceof UploadTooLarge) return fail(413, e.message);
    return { status: 400, body: { ok: false, error: toContractError(e) } };
  }
}
