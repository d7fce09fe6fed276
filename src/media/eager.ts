/**
 * Eager derivatives (`eager` at upload, or `explicit` on a stored asset): made at once
 * through the same path delivery serves from (see delivery/derivatives.ts), so that their
 * URLs are cache hits from the first request, and recorded on the asset so the upload answer
 * and the Admin API can list them.
 */
import { sharp } from './sharp.ts';
import type { DerivedRecord } from './asset-json.ts';
import type { Derivatives } from './delivery/derivatives.ts';
import { formatFromExtension, parseTransformation, TransformationError } from './delivery/transformations.ts';
import type { MediaAsset } from './media-assets.repository.ts';
import { badRequest } from './media-error.ts';
import type { NamedTransformations } from './named-transformations.ts';
import type { EagerRequest } from './upload/upload-options.ts';

export class EagerMaker {
  constructor(
    private readonly cloudName: string,
    private readonly derivatives: Derivatives,
    private readonly named: NamedTransformations,
  ) {}

  /** Makes each requested derivative of a stored image; a bad transformation is a 400 naming it. */
  async make(asset: MediaAsset, requests: readonly EagerRequest[]): Promise<DerivedRecord[]> {
    const made: DerivedRecord[] = [];
    for (const request of requests) {
      try {
        const transformation = await this.named.expand(request.transformation);
        const plan = parseTransformation(transformation);
        const ext = request.format ?? (plan.format && plan.format !== 'auto' ? plan.format : asset.format);
        const format = plan.format && plan.format !== 'auto' ? plan.format : formatFromExtension(ext);
        if (!format) throw new TransformationError(`Unsupported format: ${ext}`);
        const derivative = await this.derivatives.get({
          cloud: this.cloudName,
          type: asset.type,
          publicId: asset.public_id,
          version: asset.version,
          storageKey: asset.storage_key,
          faces: JSON.parse(asset.faces) as number[][],
          facesKnown: (JSON.parse(asset.analysis) as { faces_detected?: boolean }).faces_detected === true,
          transformation,
          plan,
          format,
          ext,
        });
        const meta = await sharp(derivative.body).metadata();
        made.push({
          transformation: request.transformation,
          format: request.format ?? ext,
          width: meta.width,
          height: meta.height,
          bytes: derivative.body.length,
        });
      } catch (err) {
        if (err instanceof TransformationError) throw badRequest(`Invalid eager transformation ${request.transformation}: ${err.message}`);
        throw err;
      }
    }
    return made;
  }
}
