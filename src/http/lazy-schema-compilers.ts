/**
 * Fastify's own schema compilers (ajv for what a request carries, fast-json-stringify for
 * replies), each route's schema compiled on its first use instead of at start: compiling
 * every route's schemas before the first answer was about a fifth of `serve`'s start
 * (BENCHMARKS.md, "Start and CLI"). Once the server listens, `compileRemaining` compiles what
 * is still waiting, one schema per turn of the event loop, so requests are not held up and a
 * schema that cannot compile still stops the service soon after its start.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Validate = ReturnType<ReturnType<ValidatorFactory>>;
type Serialize = ReturnType<ReturnType<SerializerFactory>>;

/** Compilations not yet run, to run on first use or by compileRemaining. */
const waiting = new Set<() => unknown>();

/** `compile()` once, on the first call of `use` or when compileRemaining reaches it. */
function deferred<F>(compile: () => F): () => F {
  let compiled: F | undefined;
  const force = (): F => {
    if (compiled === undefined) {
      compiled = compile();
      waiting.delete(force);
    }
    return compiled;
  };
  waiting.add(force);
  return force;
}

function lazyValidator(compile: () => Validate): Validate {
  const get = deferred(compile);
  // Fastify reads a failed check's errors from the function it called: copy them over.
  const validate = ((data: unknown) => {
    const compiled = get();
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  }) as Validate;
  return validate;
}

function lazySerializer(compile: () => Serialize): Serialize {
  const get = deferred(compile);
  return (data) => get()(data);
}

/** The `schemaController.compilersFactory` for Fastify's options. */
export function lazySchemaCompilers(): { buildValidator: ValidatorFactory; buildSerializer: SerializerFactory } {
  const validators = AjvCompiler();
  const serializers = SerializerSelector();
  return {
    buildValidator: (externalSchemas, options) => {
      const compiler = deferred(() => validators(externalSchemas, options));
      return (route) => lazyValidator(() => compiler()(route));
    },
    buildSerializer: (externalSchemas, options) => {
      const compiler = deferred(() => serializers(externalSchemas, options));
      return (route) => lazySerializer(() => compiler()(route));
    },
  };
}

/** Compiles every schema still waiting, one per turn of the event loop; rejects with the first that fails. */
export async function compileRemaining(): Promise<void> {
  for (const compile of waiting) {
    await new Promise((resolve) => setImmediate(resolve));
    compile();
  }
}
