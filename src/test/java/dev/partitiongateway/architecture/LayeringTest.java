package dev.partitiongateway.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackages;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The core never sees a backend: it talks to the SPI only. Adapters see the SPI and their own SDK,
 * never the core nor each other. Inside the core, the REST layer ({@code api}) sits on top of the
 * services, and no two packages depend on each other.
 */
class LayeringTest {

    private static JavaClasses production;

    @BeforeAll
    static void importProductionClasses() {
        production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.partitiongateway");
    }

    @Test
    void core_does_not_use_adapters_or_sdks() {
        CORE_DOES_NOT_USE_ADAPTERS_OR_SDKS.check(production);
    }

    @Test
    void spi_is_plain_java() {
        SPI_IS_PLAIN_JAVA.check(production);
    }

    @Test
    void adapters_use_only_the_spi_of_the_gateway() {
        ADAPTERS_USE_ONLY_THE_SPI.check(production);
    }

    @Test
    void packages_are_free_of_cycles() {
        slices().matching("dev.partitiongateway.(*)..").should().beFreeOfCycles().check(production);
    }

    @Test
    void only_the_api_package_holds_rest_resources() {
        classes().that().areAnnotatedWith(jakarta.ws.rs.Path.class)
                .should().resideInAPackage("dev.partitiongateway.api..").check(production);
    }

    @Test
    void lucene_adapter_uses_no_other_backend() {
        LUCENE_USES_NO_OTHER_BACKEND.check(production);
    }

    static final String[] SDKS = {"io.milvus..", "io.qdrant..", "io.pinecone..", "org.apache.lucene.."};

    static final ArchRule CORE_DOES_NOT_USE_ADAPTERS_OR_SDKS = noClasses()
            .that().resideInAPackage("dev.partitiongateway..")
            .and().resideOutsideOfPackage("dev.partitiongateway.adapter..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.partitiongateway.adapter..")
            .orShould().dependOnClassesThat().resideInAnyPackage(SDKS);

    static final ArchRule SPI_IS_PLAIN_JAVA = classes()
            .that().resideInAPackage("dev.partitiongateway.spi..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.partitiongateway.spi..", "java..");

    static final ArchRule ADAPTERS_USE_ONLY_THE_SPI = noClasses()
            .that().resideInAPackage("dev.partitiongateway.adapter..")
            .should().dependOnClassesThat(resideInAPackage("dev.partitiongateway..")
                    .and(resideOutsideOfPackages("dev.partitiongateway.spi..", "dev.partitiongateway.adapter..")))
            .allowEmptyShould(true);

    static final ArchRule LUCENE_USES_NO_OTHER_BACKEND = noClasses()
            .that().resideInAPackage("dev.partitiongateway.adapter.lucene..")
            .should().dependOnClassesThat().resideInAnyPackage("io.milvus..", "io.qdrant..", "io.pinecone..",
                    "dev.partitiongateway.adapter.milvus..", "dev.partitiongateway.adapter.qdrant..",
                    "dev.partitiongateway.adapter.pinecone..")
            .allowEmptyShould(true);
}
