// An S3 endpoint's key:secret@ become the SDK's credentials (so the default chain, AWS_* and
// ~/.aws, is never asked) and leave the endpoint URL the SDK sees.
import { describe, expect, it } from 'vitest';
import { parseS3Uri } from './uri.js';

describe('parseS3Uri endpoint credentials', () => {
  it('takes key:secret@ out of the endpoint as explicit credentials', () => {
    const p = parseS3Uri('s3://bucket/pre?endpoint=http://AKEY:s%252Fcret@127.0.0.1:9000&region=us-east-1');
    expect(p.credentials).toEqual({ accessKeyId: 'AKEY', secretAccessKey: 's/cret' });
    expect(p.endpoint).toBe('http://127.0.0.1:9000');
    expect(p.endpoint).not.toContain('cret');
  });

  it('leaves an endpoint without userinfo as it is, and refuses half a pair', () => {
    expect(parseS3Uri('s3://bucket/p?endpoint=http://127.0.0.1:9000').credentials).toBeUndefined();
    expect(() => parseS3Uri('s3://bucket/p?endpoint=http://AKEY@127.0.0.1:9000')).toThrow(/both parts/);
  });
});
