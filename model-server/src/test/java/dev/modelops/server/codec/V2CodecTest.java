package dev.modelops.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** V2 tensors to rows and answers to tensors, without a server. */
class V2CodecTest {
  static V2Request parse(String json) {
    return V2Request.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void tensorsOfShapeNAndNBy1BecomeRowsInFeatureOrder() {
    V2Request request = parse("{\"id\": \"r1\", \"parameters\": {}, \"inputs\": ["
        + "{\"name\": \"contract\", \"shape\": [2, 1], \"datatype\": \"BYTES\", \"data\": [[\"One year\"], [null]]},"
        + "{\"name\": \"tenure\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": [3, 4.5]}]}");
    assertThat(request.id()).isEqualTo("r1");
    Rows rows = V2Codec.rows(request, BatchFormatTest.FEATURES);
    assertThat(rows.size()).isEqualTo(2);
    assertThat(rows.records()).isNull();
    assertThat(Arrays.asList(rows.values()[0])).containsExactly(3.0, "One year");
    assertThat(Arrays.asList(rows.values()[1])).containsExactly(4.5, null);
  }

  @Test
  void badTensorsNameTheTensorOrElement() {
    assertThatThrownBy(() -> V2Codec.rows(parse("{\"inputs\": [{\"name\": \"tenure\", \"data\": [1]}]}"), BatchFormatTest.FEATURES))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("contract"))
        .hasMessageStartingWith("missing input tensor 'contract'");
    assertThatThrownBy(() -> V2Codec.rows(parse("{\"inputs\": [{\"name\": \"tenure\", \"data\": [1, \"x\"]}, {\"name\": \"contract\", \"data\": [\"a\", \"b\"]}]}"),
        BatchFormatTest.FEATURES)).hasMessageStartingWith("row 1: tenure: must be a number");
    assertThatThrownBy(() -> parse("{\"inputs\": [{\"name\": \"tenure\", \"data\": [[1, 2]]}]}"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("inputs[0].data"));
    assertThatThrownBy(() -> parse("{\"inputs\": [{\"name\": \"a\", \"data\": [1]}, {\"name\": \"b\", \"data\": [1, 2]}]}"))
        .hasMessage("input 'b' has 2 elements but the others have 1");
  }

  @Test
  void answersAreTwoOutputTensors() throws Exception {
    byte[] body = V2Codec.response("churn", 3, "r1", new Prediction[] {new Prediction("x-1", 1, 0.75), new Prediction("x-2", 0, 0.25)}, AnswerFields.BINARY);
    JsonNode answer = new ObjectMapper().readTree(body);
    assertThat(answer.get("model_name").asText()).isEqualTo("churn");
    assertThat(answer.get("model_version").asText()).isEqualTo("3");
    assertThat(answer.get("id").asText()).isEqualTo("r1");
    assertThat(answer.get("outputs").get(0).toString()).isEqualTo("{\"name\":\"probability\",\"datatype\":\"FP64\",\"shape\":[2],\"data\":[0.75,0.25]}");
    assertThat(answer.get("outputs").get(1).toString()).isEqualTo("{\"name\":\"predicted_class\",\"datatype\":\"INT64\",\"shape\":[2],\"data\":[1,0]}");
    assertThat(new ObjectMapper().readTree(V2Codec.response("churn", 3, null, new Prediction[0], AnswerFields.BINARY)).has("id")).isFalse();
  }
}
