/**
 * The two programs most AWS-layer tests read: index.ts for the committed dev stack file, with no exported
 * model.onnx (so the dev warning path runs), and for the committed prod stack file plus the keys prod
 * requires, with a complete model repository. Each gets its own throwaway repository.
 */
import { makeModelRepo, PROD_REQUIRED, type ProgramRun, runProgram } from "./stacks";

export interface DevAndProd {
  dev: ProgramRun;
  prod: ProgramRun;
  /** The prod program's model repository, for a test that reruns prod with one setting changed. */
  prodRepositoryPath: string;
  /** Removes both model repositories. */
  cleanup(): void;
}

export async function runDevAndProd(): Promise<DevAndProd> {
  const devRepo = makeModelRepo({ withModel: false });
  const prodRepo = makeModelRepo();
  const cleanup = () => {
    devRepo.cleanup();
    prodRepo.cleanup();
  };
  try {
    const dev = await runProgram("dev", { modelRepositoryPath: devRepo.root });
    const prod = await runProgram("prod", { ...PROD_REQUIRED, modelRepositoryPath: prodRepo.root });
    return { dev, prod, prodRepositoryPath: prodRepo.root, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
