// A field's problem in words, next to it, as the user types (the submit stays disabled meanwhile).
export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id} data-testid="field-error">
      {message}
    </span>
  );
}
