import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation as useMutation } from './single-flight';
import type { Params } from '../../../preload/contract';
import { call } from '../api/client';
import { qk } from './keys';

export const useAppInfo = () => useQuery({ queryKey: qk.app(), queryFn: () => call('app.info', {}), staleTime: Infinity });

export const useLocations = () => useQuery({ queryKey: qk.locations(), queryFn: () => call('locations.list', {}) });

export function useOpenLocation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: Params<'locations.open'>) => call('locations.open', p),
    onSuccess: () => qc.invalidateQueries({ queryKey: qk.locations() }),
  });
}

export const pickSandbox = () => call('locations.pickSandbox', {});
