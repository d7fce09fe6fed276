import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AlbumsRepository } from './albums.repository.ts';
import { ImagesRepository } from './images.repository.ts';
import { OrganizationsRepository } from './organizations.repository.ts';
import { SecretsRepository } from './secrets.repository.ts';
import { UsersRepository } from './users.repository.ts';

/** Every repository over one executor: the database, or a transaction. */
export interface Repositories {
  organizations: OrganizationsRepository;
  users: UsersRepository;
  secrets: SecretsRepository;
  albums: AlbumsRepository;
  images: ImagesRepository;
}

export function repositoriesOver(db: Kysely<Database>): Repositories {
  return {
    organizations: new OrganizationsRepository(db),
    users: new UsersRepository(db),
    secrets: new SecretsRepository(db),
    albums: new AlbumsRepository(db),
    images: new ImagesRepository(db),
  };
}

/** Runs `work` in one transaction with repositories bound to it. */
export function inTransaction<T>(db: Kysely<Database>, work: (repos: Repositories) => Promise<T>): Promise<T> {
  return db.transaction().execute((trx) => work(repositoriesOver(trx)));
}
