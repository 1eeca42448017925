export { appBundles, dpCli, placeImage, startAgent, startDp, type RunningDp } from './fleet';
export { runDeployment, stopDp, verifyTargets, type AgentLine, type AgentRun, type DeploymentResult } from './deployment';
export { lightFabric, type Fabric } from './fabric';
export { sha256File } from './measure';
export { sampleMarker, writeSampleImage, type SampleImage, type SampleImageOptions } from './sample-image';
export { ensureBootenv, runVmDeployment, type VmDeploymentOptions, type VmDeploymentResult, type VmTimings } from './vm-deployment';
export { bootScriptAnswers, outcomesOf, type BootScriptAnswer } from './vm-pxe';
export { runSoak, startStress, type SoakOptions, type SoakResult, type SoakRun } from './soak-run';
