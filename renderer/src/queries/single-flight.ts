// Mutations that run once per click. React Query marks a mutation pending only on its next
// notification (a tick later), so a double-click on a confirm button would run the action twice
// and show the second (misleading) result. The guard is a ref, set synchronously by the first call.
import { useMutation, type DefaultError, type MutateOptions, type UseMutationOptions, type UseMutationResult } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';

export function useSingleFlightMutation<TData = unknown, TError = DefaultError, TVariables = void, TContext = unknown>(
  options: UseMutationOptions<TData, TError, TVariables, TContext>,
): UseMutationResult<TData, TError, TVariables, TContext> {
  const m = useMutation(options);
  const inFlight = useRef(false);
  const { mutateAsync } = m;
  const mutate = useCallback(
    (variables: TVariables, opts?: MutateOptions<TData, TError, TVariables, TContext>) => {
      if (inFlight.current) return;
      inFlight.current = true;
      mutateAsync(variables, opts)
        .catch(() => undefined) // the error is in the mutation's state (shown in place)
        .finally(() => (inFlight.current = false));
    },
    [mutateAsync],
  );
  return { ...m, mutate, isPending: m.isPending || inFlight.current } as UseMutationResult<TData, TError, TVariables, TContext>;
}
