package dev.modelops.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelops.server.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Feedback bodies to labels 0 or 1, without a server. */
class FeedbackLabelsTest {
  static List<FeedbackLabels.Label> decode(String json) {
    return FeedbackLabels.decode(Json.parse(json), () -> "Yes");
  }

  @Test
  void labelsAreNumbersBooleansOrClassValues() {
    assertThat(decode("[{\"id\": \"a\", \"label\": 1}, {\"id\": \"b\", \"label\": false}, {\"id\": \"c\", \"label\": \"Yes\"}, {\"id\": \"d\", \"label\": \"No\"}]"))
        .containsExactly(new FeedbackLabels.Label("a", 1), new FeedbackLabels.Label("b", 0), new FeedbackLabels.Label("c", 1), new FeedbackLabels.Label("d", 0));
    assertThat(decode("{\"id\": \"a\", \"label\": true}")).containsExactly(new FeedbackLabels.Label("a", 1));
  }

  @Test
  void badFeedbackNamesTheItem() {
    assertThatThrownBy(() -> decode("[]")).hasMessage("the array of feedback is empty");
    assertThatThrownBy(() -> decode("[{\"id\": \"a\", \"label\": 1}, {\"id\": 7, \"label\": 1}]"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("[1]id"));
    assertThatThrownBy(() -> decode("{\"id\": \"a\"}")).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("label"))
        .hasMessage("feedback 0 needs a label");
    assertThatThrownBy(() -> decode("{\"id\": \"a\", \"label\": 2}")).hasMessage("feedback 0: label must be 0, 1, true, false or a class value (positive class 'Yes')");
  }
}
