package dev.partitiongateway.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;

/**
 * A record's metadata as the JSON text stored in archives. Reading gives back what the gateway's
 * validator produces from a request: objects as {@code LinkedHashMap} in their original key order,
 * arrays as lists, integers as {@code Long} ({@code BigInteger} beyond it), other numbers as
 * {@code Double}, strings, booleans and nulls.
 */
final class MetadataJson {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final ObjectWriter WRITER = MAPPER.writer();
    /** Keys sorted at every level: the same metadata always gives the same text, whatever its key order. */
    private static final ObjectWriter CANONICAL = MAPPER.writer().with(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final ObjectReader READER = MAPPER.readerFor(MAP);

    private MetadataJson() {
    }

    static String write(Map<String, Object> metadata) {
        return write(WRITER, metadata);
    }

    static String canonical(Map<String, Object> metadata) {
        return write(CANONICAL, metadata);
    }

    static Map<String, Object> read(String json) {
        try {
            Map<String, Object> metadata = READER.readValue(json);
            if (metadata == null) {
                throw new IllegalArgumentException("archived metadata is not a JSON object: " + json);
            }
            widenInts(metadata);
            return metadata;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("archived metadata is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Jackson reads small integers as {@code Integer}; the gateway types them as {@code Long}. (Its
     * USE_LONG_FOR_INTS would fail on integers beyond a long, which stay {@code BigInteger} here.)
     */
    @SuppressWarnings("unchecked")
    private static Object widenInts(Object value) {
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Map<?, ?> map) {
            ((Map<String, Object>) map).replaceAll((k, v) -> widenInts(v));
        } else if (value instanceof List<?> list) {
            ((List<Object>) list).replaceAll(MetadataJson::widenInts);
        }
        return value;
    }

    private static String write(ObjectWriter writer, Map<String, Object> metadata) {
        try {
            return writer.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata holds a value that is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
