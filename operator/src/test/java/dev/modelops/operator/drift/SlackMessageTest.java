package dev.modelops.operator.drift;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlackMessageTest {
  @Test
  void controlCharactersAreEscapedAndALongHeaderIsCut() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("policy", "p");
    fields.put("namespace", "ns");
    fields.put("model", "m".repeat(200));
    fields.put("modelVersion", "m-v2");
    fields.put("state", "Warning");
    fields.put("previousState", "Healthy");
    fields.put("message", "liveAccuracy 0.7 < 0.78 & falling");
    fields.put("time", "2026-11-22T12:00:00Z");
    Map<String, Object> message = SlackMessage.of(fields);
    assertThat((String) message.get("text")).startsWith(":warning: Model mmm").contains("is Warning (was Healthy)")
        .endsWith("liveAccuracy 0.7 &lt; 0.78 &amp; falling");
    @SuppressWarnings("unchecked")
    List<Map<String, Map<String, String>>> blocks = (List<Map<String, Map<String, String>>>) message.get("blocks");
    assertThat(blocks.get(0).get("text").get("text")).hasSize(SlackMessage.HEADER_MAX).endsWith("…");
    assertThat(blocks.get(1).get("text").get("text")).isEqualTo("liveAccuracy 0.7 &lt; 0.78 &amp; falling");
  }
}
