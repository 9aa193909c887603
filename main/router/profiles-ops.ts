// The router's saved-profile handlers: plain contract JSON in and out, never a secret out.
import type { z } from 'zod';
import type { profileRequestSchemas, ProfileResults } from '../../preload/profiles-contract.js';
import type { ProfileService } from '../host/profiles-service.js';
import type { ProfileInput } from '../host/profiles.js';
import type { Host } from '../host/types.js';
import { AppError } from './errors.js';

type ProfileMethod = keyof typeof profileRequestSchemas;
type ProfileHandlers = { [M in ProfileMethod]: (p: z.output<(typeof profileRequestSchemas)[M]>) => Promise<ProfileResults[M]> | ProfileResults[M] };

export function profileHandlers(host: Host): ProfileHandlers {
  const service = (): ProfileService => {
    const s = host.profiles?.() ?? null;
    if (!s) throw new AppError('Unsupported', 'this host keeps no connection profiles');
    return s;
  };
  const opener = () => {
    if (!host.openTarget) throw new AppError('Unsupported', 'this host cannot open a location by profile');
    return { openTarget: host.openTarget.bind(host) };
  };
  return {
    'profiles.list': () => service().list(),
    'profiles.create': (p) => service().create(p.input as ProfileInput),
    'profiles.update': (p) => service().update(p.id, p.input as ProfileInput, { password: p.clearPassword, secretAccessKey: p.clearSecretKey }),
    'profiles.duplicate': (p) => service().duplicate(p.id, p.name),
    'profiles.remove': (p) => {
      service().remove(p.id);
      return null;
    },
    'profiles.test': (p) => service().test({ id: p.id, input: p.input as ProfileInput | undefined }),
    'profiles.open': (p) => service().open(p.id, opener()),
  };
}
