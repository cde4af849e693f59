package dev.partitiongateway.archive;

import dev.partitiongateway.config.GatewayConfig;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.util.Optional;

/** {@code gateway.archive.*} for plain unit tests, with the defaults of {@link GatewayConfig.Archive}. */
record TestArchiveConfig(GatewayConfig.Archive.Kind kind, Optional<String> localDir, Optional<String> endpoint, Optional<String> bucket,
                         Optional<String> prefix, Optional<String> region, Optional<String> accessKey,
                         Optional<String> secretKey, boolean pathStyle, String partSize) implements GatewayConfig.Archive {

    static TestArchiveConfig local(String dir) {
        return new TestArchiveConfig(GatewayConfig.Archive.Kind.LOCAL, Optional.ofNullable(dir), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), false, "64M");
    }

    static TestArchiveConfig s3(String endpoint, String bucket, String accessKey, String secretKey) {
        return new TestArchiveConfig(GatewayConfig.Archive.Kind.S3, Optional.empty(), Optional.ofNullable(endpoint), Optional.ofNullable(bucket), Optional.empty(),
                Optional.empty(), Optional.ofNullable(accessKey), Optional.ofNullable(secretKey), true, "64M");
    }

    TestArchiveConfig withPrefix(String value) {
        return new TestArchiveConfig(kind, localDir, endpoint, bucket, Optional.of(value), region, accessKey, secretKey, pathStyle, partSize);
    }

    TestArchiveConfig withPartSize(String value) {
        return new TestArchiveConfig(kind, localDir, endpoint, bucket, prefix, region, accessKey, secretKey, pathStyle, value);
    }

    @Override
    public int recordsPerFile() {
        return 100_000;
    }

    @Override
    public MemorySize maxFileSize() {
        return size("512M");
    }

    @Override
    public MemorySize rowGroupSize() {
        return size("8M");
    }

    @Override
    public MemorySize multipartPartSize() {
        return size(partSize);
    }

    @Override
    public Optional<String> workDir() {
        return Optional.empty();
    }

    private static MemorySize size(String text) {
        long unit = switch (text.charAt(text.length() - 1)) {
            case 'K' -> 1024L;
            case 'M' -> 1024L * 1024;
            default -> 1L;
        };
        return new MemorySize(BigInteger.valueOf(Long.parseLong(text.replaceAll("[KM]$", "")) * unit));
    }
}
