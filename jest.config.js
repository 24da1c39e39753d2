/** Jest runs the Pulumi program's unit tests (mocked engine) under test/. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true }] },
  // Pulumi mocks resolve outputs asynchronously; give slow CI machines room.
  testTimeout: 60000,
};
