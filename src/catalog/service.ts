import type { Caller, Database } from '../db/index.js';
import { validationFailed } from '../errors.js';
import { requireStaff } from '../staff/access.js';
import { signedIn } from '../auth/caller.js';
import * as repo from './repository.js';

export interface Catalog {
  services: repo.Service[];
  add_ons: repo.AddOn[];
}

export class CatalogService {
  constructor(private readonly db: Database) {}

  /** What is on offer (public: active items only; admins also see inactive ones), as JSON text. */
  catalog(caller: Caller): Promise<string> {
    return repo.catalogJson(this.db, caller, false);
  }

  /** The whole catalog, inactive items included (admins), as JSON text. */
  async adminCatalog(caller: Caller): Promise<string> {
    signedIn(caller);
    return repo.catalogJson(this.db, caller, true);
  }

  /** Replaces the offered catalog: given items are created or updated, the rest deactivated. */
  async replaceCatalog(caller: Caller, catalog: Catalog): Promise<Catalog> {
    const duplicate = (keys: string[]) => keys.find((k, i) => keys.indexOf(k) !== i);
    const dupService = duplicate(catalog.services.map((s) => s.key));
    const dupAddOn = duplicate(catalog.add_ons.map((a) => a.key));
    if (dupService || dupAddOn) throw validationFailed(`Duplicate key "${dupService ?? dupAddOn}"`);
    if (!catalog.services.some((s) => s.active)) throw validationFailed('At least one service must stay active');
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      for (const s of catalog.services) await repo.upsertService(tx, s);
      for (const a of catalog.add_ons) await repo.upsertAddOn(tx, a);
      await repo.deactivateServicesExcept(tx, catalog.services.map((s) => s.key));
      await repo.deactivateAddOnsExcept(tx, catalog.add_ons.map((a) => a.key));
      return { services: await repo.listServices(tx), add_ons: await repo.listAddOns(tx) };
    });
  }

  /** The business settings (admins), as JSON text. */
  /** The business's public profile: name, contact, time zone, service area, fees, windows. */
  businessProfile(caller: Caller): Promise<string> {
    return repo.businessProfileJson(this.db, caller);
  }

  async settings(caller: Caller): Promise<string> {
    signedIn(caller);
    return repo.settingsJson(this.db, caller);
  }

  async updateSettings(caller: Caller, changes: Partial<repo.Settings>): Promise<repo.Settings> {
    return this.db.asCaller(caller, async (tx) => {
      await requireStaff(tx, caller, 'admin');
      return repo.updateSettings(tx, changes);
    });
  }
}
