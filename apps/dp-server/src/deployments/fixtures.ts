import type { TargetedDeployment } from './decide';
import type { Collection, Deployment, Machine } from './model';

/** Small builders for the policy tables: every field defaulted, each row sets what it is about. */
export function machine(over: Partial<Machine> = {}): Machine {
  return {
    id: 1,
    name: 'lab-01',
    state: 'known',
    macs: ['52:54:00:00:00:01'],
    uuid: null,
    serial: null,
    vendor: null,
    model: 'OptiPlex 7090',
    lastIp: null,
    firstSeen: null,
    lastSeen: null,
    createdAt: new Date(0),
    ...over,
  };
}

export function collection(over: Partial<Collection> = {}): Collection {
  return { id: 1, name: 'lab', rules: [], members: [], createdAt: new Date(0), ...over };
}

export function targeted(name: string, over: Partial<Deployment> & { collection?: Collection; done?: boolean } = {}): TargetedDeployment {
  const { collection: coll = collection({ members: [1] }), done = false, ...d } = over;
  const deployment: Deployment = {
    // decide() tells deployments apart by name; ids matter only to the store.
    id: 1,
    name,
    kind: 'deploy',
    image: `${name}.img`,
    collectionId: coll.id,
    collectionName: coll.name,
    purpose: 'required',
    disk: 'first-fixed',
    after: 'reboot',
    script: null,
    notBefore: null,
    deadline: null,
    variables: {},
    createdAt: new Date(0),
    ...d,
  };
  return { deployment, collection: coll, doneOnMachine: done };
}
