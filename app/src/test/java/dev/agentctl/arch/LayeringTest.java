package dev.agentctl.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layers of agentctl, bottom up: io, fleet, spec, engine, then compose / runtime / backup beside each other, ops
 * (the one place that orchestrates), cli. Each may use only what is below it; no package cycles; docker-java only in
 * engine.docker; picocli only in cli.
 */
class LayeringTest {
    static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.agentctl");

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("cli")
                .definedBy("dev.agentctl.cli..")
                .layer("ops")
                .definedBy("dev.agentctl.ops..")
                .layer("compose")
                .definedBy("dev.agentctl.compose..")
                .layer("runtime")
                .definedBy("dev.agentctl.runtime..")
                .layer("backup")
                .definedBy("dev.agentctl.backup..")
                .layer("engine")
                .definedBy("dev.agentctl.engine..")
                .layer("spec")
                .definedBy("dev.agentctl.spec..")
                .layer("fleet")
                .definedBy("dev.agentctl.fleet..")
                .layer("io")
                .definedBy("dev.agentctl.io..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("ops")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("compose")
                .mayOnlyBeAccessedByLayers("ops", "cli")
                .whereLayer("runtime")
                .mayOnlyBeAccessedByLayers("ops", "cli")
                .whereLayer("backup")
                .mayOnlyBeAccessedByLayers("ops", "cli")
                .whereLayer("engine")
                .mayOnlyBeAccessedByLayers("runtime", "ops", "cli")
                .whereLayer("spec")
                .mayOnlyBeAccessedByLayers("engine", "compose", "runtime", "ops", "cli")
                .whereLayer("fleet")
                .mayOnlyBeAccessedByLayers("spec", "compose", "runtime", "backup", "ops", "cli")
                .check(MAIN);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.agentctl.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void onlyTheDockerBackendImportsDockerJava() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.agentctl.engine.docker..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.github.dockerjava..")
                .check(MAIN);
    }

    @Test
    void onlyTheCommandsImportPicocli() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.agentctl.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("picocli..")
                .check(MAIN);
    }
}
