/** ActiveRecord::RecordInvalid: the UI shows the form again with these messages. */
export class ForemanUiValidationError extends Error {
  override readonly name = 'ForemanUiValidationError';

  constructor(readonly fullMessages: readonly string[]) {
    super(`Validation failed: ${fullMessages.join(', ')}`);
  }
}
