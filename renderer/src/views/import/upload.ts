// The web host's upload of an import file: the browser streams the File as the request body to
// /api/import-upload (the page's token cookie authorizes it); main keeps it and answers an id.
import type { Result } from '../../../../preload/contract';
import type { ImportSourceInfo } from '../../../../preload/streams-contract';
import { ApiError } from '../../api/client';

export async function uploadImportFile(file: File): Promise<ImportSourceInfo> {
  let r: Response;
  try {
    r = await fetch(`/api/import-upload?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': 'application/octet-stream' },
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('Closed', 'the upload did not reach the web host; check that it is running and try again');
  }
  const body = (await r.json().catch(() => null)) as Result<ImportSourceInfo> | null;
  if (!body) throw new ApiError('Internal', `the web host answered the upload with HTTP ${r.status}`);
  if (!body.ok) throw new ApiError(body.error.code, body.error.message);
  return body.value;
}
