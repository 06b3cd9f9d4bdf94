import type { UpstreamError } from '../foreman/errors.js';
import { builder } from './builder.js';

/**
 * Errors a mutation returns as data, beside a null result, so a form can show each next to its
 * field. Authentication, permission and upstream faults stay top-level GraphQL errors.
 */
export interface InputProblem {
  kind: 'input';
  message: string;
  /** The input path, e.g. `["input", "uuid"]`; null for errors about the whole record. */
  path: string[] | null;
}

export interface NotFoundProblem {
  kind: 'not_found';
  message: string;
  /** The id, as the caller passed it. */
  id: string;
}

export type MutationProblem = InputProblem | NotFoundProblem;

export const MutationError = builder.interfaceRef<MutationProblem>('MutationError').implement({
  description: 'Why a mutation did not do what it was asked.',
  resolveType: (problem) => (problem.kind === 'input' ? 'InputValidationError' : 'NotFoundError'),
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
  }),
});

builder.objectRef<InputProblem>('InputValidationError').implement({
  description:
    "A value the gateway or Foreman refused (Foreman's HTTP 422), with the input field it concerns.",
  interfaces: [MutationError],
  isTypeOf: (problem) => (problem as MutationProblem).kind === 'input',
  fields: (t) => ({
    path: t.exposeStringList('path', {
      nullable: true,
      description:
        'Path of the input field, e.g. `["input", "name"]`; null when the error concerns the record as a whole.',
    }),
  }),
});

builder.objectRef<NotFoundProblem>('NotFoundError').implement({
  description: 'The image or compute resource to act on does not exist or is not visible to you.',
  interfaces: [MutationError],
  isTypeOf: (problem) => (problem as MutationProblem).kind === 'not_found',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id that was not found, as passed.' }),
  }),
});

/**
 * A 422's field errors as input problems: Foreman's messages, our input paths. `inputFieldOf`
 * names the input field of a Foreman attribute (`architecture_id`) or association
 * (`architecture`); `Couldn't find Architecture with 'id'=99` names the association in its
 * message only, so a message without field errors is matched against the association names too.
 */
export function problemsFromValidation(
  error: UpstreamError,
  inputFieldOf: (attributeOrAssociation: string) => string | undefined,
  associations: readonly string[],
): InputProblem[] {
  if (!error.fieldErrors) {
    const association = associations.find((name) =>
      new RegExp(`\\b${name.replace(/_/g, ' ?')}\\b`, 'i').test(error.message),
    );
    const field = association && inputFieldOf(association);
    return [{ kind: 'input', message: error.message, path: field ? ['input', field] : null }];
  }
  return Object.entries(error.fieldErrors).flatMap(([attribute, messages]) => {
    const field = inputFieldOf(attribute);
    return messages.map((message) => ({
      kind: 'input' as const,
      message: attribute === 'base' ? message : `${humanize(attribute)} ${message}`,
      path: field ? ['input', field] : null,
    }));
  });
}

/** Rails' humanize: `operatingsystem_id` → `Operatingsystem`, as Foreman's full messages read. */
function humanize(attribute: string): string {
  const words = attribute.replace(/_id$/, '').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
