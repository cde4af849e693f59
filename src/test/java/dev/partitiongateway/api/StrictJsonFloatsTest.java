package dev.partitiongateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The request mapper reads numbers with FastDoubleParser (for speed); every float it reads must be the
 * one {@link Float#parseFloat} gives for the same text, bit for bit, including the edge cases.
 */
class StrictJsonFloatsTest {

    private final ObjectMapper mapper = mapper();

    private static ObjectMapper mapper() {
        ObjectMapper mapper = new ObjectMapper();
        new StrictJson().customize(mapper);
        return mapper;
    }

    @Test
    void should_use_the_fast_parser() {
        assertThat(mapper.isEnabled(JsonParser.Feature.USE_FAST_DOUBLE_PARSER)).isTrue();
    }

    @Test
    void should_read_every_float_as_float_parse_float_does() throws Exception {
        List<String> texts = new ArrayList<>(List.of(
                "0", "-0.0", "1", "0.1", "0.2", "0.3", "1e0", "1E-1", "123456789", "16777217", "16777216.5",
                "3.4028235E38", "3.4028236E38", "-3.4028235e38", "1.17549435E-38", "1.1754942E-38", "1.4E-45", "7.0E-46", "1e-46",
                "0.00000000000000000000000000000000000000000000140129846432481707092372958328991613128026194187651577175706828388979108268586060148663818836212158203125",
                "2.5000000000000000000000000000000000000001", "0.30000001192092896", "0.300000011920928955078125",
                "9.999999E-39", "1.0000000000000000000000000000000000001", "4.9406564584124654E-324", "1e38", "1.0e+38"));
        Random random = new Random(42);
        for (int i = 0; i < 50_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isFinite(f)) {
                texts.add(Float.toString(f));
                texts.add(Double.toString(f)); // the float's double: more digits than needed, still rounds to f
                texts.add(Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(60) - 30)));
            }
        }
        float[] read = mapper.readValue("[" + String.join(",", texts) + "]", float[].class);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(Float.floatToRawIntBits(read[i])).as(texts.get(i)).isEqualTo(Float.floatToRawIntBits(Float.parseFloat(texts.get(i))));
        }
    }
}
