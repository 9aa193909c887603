// Profiles over the contract: the list, and one mutation per operation (each runs once per click).
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Params } from '../../../../preload/contract';
import { call } from '../../api/client';
import { useSingleFlightMutation as useMutation } from '../../queries/single-flight';
import { qk } from '../../queries/keys';

const key = ['profiles'] as const;

export const useProfiles = () => useQuery({ queryKey: key, queryFn: () => call('profiles.list', {}) });

function useProfileMutation<M extends 'profiles.create' | 'profiles.update' | 'profiles.duplicate' | 'profiles.remove' | 'profiles.open'>(method: M) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Params<M>) => call(method, p),
    // Awaited before the caller's onSuccess: a location opened by profile must be in the list
    // before the app navigates to it (else the app falls back to the default).
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: key }), method === 'profiles.open' ? qc.invalidateQueries({ queryKey: qk.locations() }) : null]),
  });
}

export const useCreateProfile = () => useProfileMutation('profiles.create');
export const useUpdateProfile = () => useProfileMutation('profiles.update');
export const useDuplicateProfile = () => useProfileMutation('profiles.duplicate');
export const useRemoveProfile = () => useProfileMutation('profiles.remove');
export const useOpenProfile = () => useProfileMutation('profiles.open');
export const useTestProfile = () => useMutation({ mutationFn: (p: Params<'profiles.test'>) => call('profiles.test', p) });
