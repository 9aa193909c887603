// Said once at start when the last used profile did not reopen (the default sandbox is open instead).
import { useState } from 'react';
import { useProfiles } from './queries';

export function StartupNotice() {
  const profiles = useProfiles();
  const [dismissed, setDismissed] = useState(false);
  const message = profiles.data?.startup?.message;
  if (!message || dismissed) return null;
  return (
    <div className="warning startup-notice" role="alert">
      <span>{message}</span>{' '}
      <button type="button" onClick={() => setDismissed(true)}>Dismiss</button>
    </div>
  );
}
