package dev.partitiongateway.adapter.pinecone.fake;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Metadata measured as Pinecone documents its 40 KB limit: the record's metadata as compact JSON.
 * Integral numbers are written without a fraction (JSON as Pinecone's REST API returns it), which is
 * the smaller of the plausible measures; an adapter that stays under it with a larger measure is safe.
 */
final class FakeJson {

    private FakeJson() {
    }

    static int size(Struct struct) {
        StringBuilder out = new StringBuilder();
        write(out, struct);
        return out.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    private static void write(StringBuilder out, Struct struct) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            string(out, field.getKey());
            out.append(':');
            write(out, field.getValue());
        }
        out.append('}');
    }

    private static void write(StringBuilder out, Value value) {
        switch (value.getKindCase()) {
            case STRING_VALUE -> string(out, value.getStringValue());
            case BOOL_VALUE -> out.append(value.getBoolValue());
            case NUMBER_VALUE -> {
                double d = value.getNumberValue();
                out.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : BigDecimal.valueOf(d).toString());
            }
            case LIST_VALUE -> {
                out.append('[');
                for (int i = 0; i < value.getListValue().getValuesCount(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(out, value.getListValue().getValues(i));
                }
                out.append(']');
            }
            case STRUCT_VALUE -> write(out, value.getStructValue());
            default -> out.append("null");
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
