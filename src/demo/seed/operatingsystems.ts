import { osLabel } from '../os-label.js';
import type { OperatingsystemRecord, OsParameterRecord } from '../records.js';
import { utc } from './prng.js';
import { PROVISIONING_TEMPLATES } from './reference.js';

/** Per family: installation media aside, what Foreman's default setup associates. */
const FAMILY_SETUP: Record<string, { ptables: number[]; templates: number[] }> = {
  Redhat: { ptables: [1, 2], templates: [1, 2, 3] },
  Debian: { ptables: [3], templates: [4, 5, 6, 3] },
  Suse: { ptables: [4], templates: [7, 8, 3] },
  Windows: { ptables: [5], templates: [9, 10] },
};

interface OsSpec {
  name: string;
  major: string;
  minor: string;
  description: string | null;
  family: string;
  releaseName: string | null;
  passwordHash: string;
  architectureIds: number[];
  mediumIds: number[];
  created: Date;
}

const SHA512 = 'SHA512';

/** Some with a description (title = description), some without (title = "name major.minor"). */
const OS_SPECS: readonly OsSpec[] = [
  {
    name: 'RedHat',
    major: '8',
    minor: '10',
    description: 'RHEL 8.10',
    family: 'Redhat',
    releaseName: null,
    passwordHash: SHA512,
    architectureIds: [1, 3, 4, 5],
    mediumIds: [1],
    created: utc(2023, 3, 14, 10, 12, 45),
  },
  {
    name: 'RedHat',
    major: '9',
    minor: '4',
    description: 'RHEL 9.4',
    family: 'Redhat',
    releaseName: null,
    passwordHash: SHA512,
    architectureIds: [1, 3, 4, 5],
    mediumIds: [1],
    created: utc(2024, 5, 2, 8, 0, 0),
  },
  {
    name: 'CentOS_Stream',
    major: '9',
    minor: '',
    description: 'CentOS Stream 9',
    family: 'Redhat',
    releaseName: null,
    passwordHash: SHA512,
    architectureIds: [1, 3, 4],
    mediumIds: [2],
    created: utc(2023, 2, 21, 15, 3, 9),
  },
  {
    name: 'AlmaLinux',
    major: '9',
    minor: '4',
    description: null,
    family: 'Redhat',
    releaseName: null,
    passwordHash: SHA512,
    architectureIds: [1, 3],
    mediumIds: [3],
    created: utc(2024, 6, 11, 9, 30, 0),
  },
  {
    name: 'Debian',
    major: '12',
    minor: '',
    description: null,
    family: 'Debian',
    releaseName: 'bookworm',
    passwordHash: SHA512,
    architectureIds: [1, 2, 3],
    mediumIds: [4],
    created: utc(2023, 6, 19, 11, 45, 12),
  },
  {
    name: 'Ubuntu',
    major: '22',
    minor: '04',
    description: 'Ubuntu 22.04 LTS',
    family: 'Debian',
    releaseName: 'jammy',
    passwordHash: SHA512,
    architectureIds: [1, 3],
    mediumIds: [5],
    created: utc(2023, 1, 12, 13, 20, 0),
  },
  {
    name: 'Ubuntu',
    major: '24',
    minor: '04',
    description: 'Ubuntu 24.04 LTS',
    family: 'Debian',
    releaseName: 'noble',
    passwordHash: SHA512,
    architectureIds: [1, 3, 4],
    mediumIds: [5],
    created: utc(2024, 4, 30, 7, 5, 33),
  },
  {
    name: 'SLES',
    major: '15',
    minor: '5',
    description: null,
    family: 'Suse',
    releaseName: null,
    passwordHash: 'SHA256',
    architectureIds: [1, 3, 4, 5],
    mediumIds: [6],
    created: utc(2023, 11, 7, 16, 40, 2),
  },
  {
    name: 'Windows',
    major: '2022',
    minor: '',
    description: 'Windows Server 2022',
    family: 'Windows',
    releaseName: null,
    passwordHash: 'Base64-Windows',
    architectureIds: [1],
    mediumIds: [],
    created: utc(2023, 9, 4, 12, 0, 0),
  },
];

export function seedOperatingsystems(): OperatingsystemRecord[] {
  let parameterId = 0;
  let defaultTemplateId = 0;
  return OS_SPECS.map((spec, index) => {
    const setup = FAMILY_SETUP[spec.family] ?? { ptables: [], templates: [] };
    const parameters = osParameters(spec, () => {
      parameterId += 1;
      return parameterId;
    });
    const osDefaultTemplates = setup.templates.map((templateId) => {
      defaultTemplateId += 1;
      const template = PROVISIONING_TEMPLATES.find((t) => t.id === templateId);
      return {
        id: defaultTemplateId,
        templateKindId: template?.templateKindId ?? 1,
        provisioningTemplateId: templateId,
      };
    });
    return {
      id: index + 1,
      name: spec.name,
      major: spec.major,
      minor: spec.minor,
      description: spec.description,
      family: spec.family,
      releaseName: spec.releaseName,
      passwordHash: spec.passwordHash,
      title: osLabel(spec),
      architectureIds: [...spec.architectureIds],
      mediumIds: [...spec.mediumIds],
      ptableIds: [...setup.ptables],
      provisioningTemplateIds: [...setup.templates],
      osDefaultTemplates,
      parameters,
      createdAt: spec.created,
      updatedAt: new Date(spec.created.getTime() + 86_400_000 * (index + 2)),
    };
  });
}

function osParameters(spec: OsSpec, nextId: () => number): OsParameterRecord[] {
  const at = new Date(spec.created.getTime() + 3_600_000);
  const parameter = (
    name: string,
    parameterType: OsParameterRecord['parameterType'],
    value: string,
    hiddenValue = false,
  ): OsParameterRecord => ({
    id: nextId(),
    name,
    parameterType,
    hiddenValue,
    value,
    createdAt: at,
    updatedAt: at,
  });
  const parameters = [parameter('ntp_server', 'string', 'ntp.example.com')];
  if (spec.family === 'Redhat') parameters.push(parameter('package_upgrade', 'boolean', 'true'));
  if (spec.name === 'RedHat') {
    parameters.push(parameter('rhsm_activation_key', 'string', `ak-rhel${spec.major}-prod`, true));
  }
  if (spec.family === 'Windows') {
    parameters.push(parameter('windowsLicenseKey', 'string', 'XXXXX-DEMO-KEY-XXXXX', true));
  }
  return parameters;
}
