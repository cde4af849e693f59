package dev.partitiongateway.archive;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.partitiongateway.support.GatewayProcess;
import dev.partitiongateway.support.GatewayProcess.Options;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged gateway refuses to start with an archive store that cannot work, and says which
 * setting is missing, instead of failing its first archive job later.
 */
class ArchiveMisconfigurationIT {

    @TempDir
    Path dir;

    @Test
    void should_not_start_with_an_s3_store_without_a_bucket() {
        assertThatThrownBy(() -> GatewayProcess.start(Options.on(dir).name("archive-s3-no-bucket").set("gateway.archive.kind", "s3")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with")
                .hasMessageContaining("gateway.archive.kind=s3 needs gateway.archive.bucket");
    }
}
