package io.imgtool.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void roundTripsNestedValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("virtual-size", 4294967296L);
        m.put("filename", "a \"quoted\"\\path\n");
        m.put("dirty-flag", false);
        m.put("children", List.of(1L, 2.5, "x", Map.of()));
        m.put("none", null);
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
        assertThat(Json.parse(Json.writeCompact(m))).isEqualTo(m);
    }

    @Property(tries = 300)
    void anyStringSurvives(@ForAll String s) {
        assertThat(Json.parse(Json.write(List.of(s)))).isEqualTo(List.of(s));
    }

    @Test
    void readsQemuImgMapOutput() {
        String out = "[{ \"start\": 0, \"length\": 65536, \"depth\": 0, \"present\": true, \"zero\": false,"
                + " \"data\": true, \"offset\": 327680},\n{ \"start\": 65536, \"length\": 1048510, \"depth\": 0,"
                + " \"present\": false, \"zero\": true, \"data\": false}]\n";
        List<?> l = (List<?>) Json.parse(out);
        assertThat(l).hasSize(2);
        assertThat(((Map<?, ?>) l.get(0)).get("offset")).isEqualTo(327680L);
    }

    @Test
    void rejectsGarbageWithPosition() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).hasMessageContaining("character");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
        assertThatThrownBy(() -> Json.parse("[".repeat(10_000))).hasMessageContaining("deeply");
    }
}
