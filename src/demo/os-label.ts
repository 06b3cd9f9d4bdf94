/** Operatingsystem#to_label: the description, else "name major[.minor]". */
export function osLabel(spec: {
  name: string;
  major: string;
  minor: string;
  description: string | null;
}): string {
  if (spec.description) return spec.description;
  return spec.minor ? `${spec.name} ${spec.major}.${spec.minor}` : `${spec.name} ${spec.major}`;
}
