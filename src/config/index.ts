export { defineProject, loadProject, PROJECT_FILES } from "./load-project.js";
export { type ProjectConfig, type ProjectInput, ProjectSchema } from "./project-schema.js";
