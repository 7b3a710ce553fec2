package dev.modelops.server.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelops.bundle.Feature;
import dev.modelops.bundle.FeatureType;
import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch codecs alone, without a server: CSV and NDJSON bodies to rows in feature order, answers and error lines back. */
class BatchFormatTest {
  static final List<Feature> FEATURES = List.of(new Feature("tenure", FeatureType.NUMERIC), new Feature("contract", FeatureType.CATEGORICAL));

  static Iterator<Object[]> rows(BatchFormat format, String body) throws IOException {
    return format.rows(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), FEATURES);
  }

  static List<List<Object>> all(Iterator<Object[]> rows) {
    List<List<Object>> out = new ArrayList<>();
    rows.forEachRemaining(r -> out.add(Arrays.asList(r)));
    return out;
  }

  @Test
  void csvColumnsInAnyOrderWithQuotesBlankLinesAndMissingCells() throws IOException {
    String body = "id,contract,tenure\r\n1,\"Month-to-month\",3\r\n\r\n2,\"One, year\",NA\n3,,\n";
    assertThat(all(rows(BatchFormat.CSV, body))).containsExactly(
        List.of(3.0, "Month-to-month"), Arrays.asList(null, "One, year"), Arrays.asList(null, null));
  }

  @Test
  void csvErrorsNameTheRowAndField() throws IOException {
    assertThatThrownBy(() -> rows(BatchFormat.CSV, "tenure\n1\n")).isInstanceOf(ApiException.class)
        .hasMessageContaining("the CSV header has no column 'contract'");
    assertThatThrownBy(() -> rows(BatchFormat.CSV, "")).hasMessageContaining("the CSV has no header row");
    Iterator<Object[]> rows = rows(BatchFormat.CSV, "tenure,contract\n1,a\nx,b\n1,a,extra\n");
    rows.next();
    assertThatThrownBy(rows::next).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("row 2.tenure"))
        .hasMessage("row 2: tenure: must be a number, got \"x\"");
    assertThatThrownBy(rows::next).hasMessage("row 3 has 3 columns; the header has 2");
  }

  @Test
  void ndjsonObjectsPerLineIgnoringOtherKeys() throws IOException {
    String body = "{\"tenure\": 3, \"contract\": \"One year\", \"other\": [1, {}]}\n\n{\"contract\": 2, \"tenure\": null}\n";
    assertThat(all(rows(BatchFormat.NDJSON, body))).containsExactly(List.of(3.0, "One year"), Arrays.asList(null, "2"));
  }

  @Test
  void ndjsonErrorsNameTheLineAndField() throws IOException {
    Iterator<Object[]> rows = rows(BatchFormat.NDJSON, "{\"tenure\": 1}\n[1]\n");
    assertThatThrownBy(rows::next).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("line 1.contract"))
        .hasMessage("line 1: contract: missing feature (send null for a missing value)");
    assertThatThrownBy(rows::next).hasMessage("line 2 must be a JSON object of feature name to value, got an array");
    assertThatThrownBy(() -> rows(BatchFormat.NDJSON, "{\"tenure\": {}, \"contract\": \"a\"}").next())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.field()).isEqualTo("line 1.tenure"))
        .hasMessage("line 1: tenure: must be a number, a string or null, got an object");
  }

  @Test
  void answersAndErrorLinesInEachFormat() {
    Prediction[] out = {new Prediction("a-1", 1, 0.75), new Prediction("a-2", 0, 0.125)};
    assertThat(new String(BatchFormat.CSV.header(AnswerFields.BINARY), StandardCharsets.UTF_8)).isEqualTo("id,class,probability\n");
    assertThat(new String(BatchFormat.CSV.encode(out, AnswerFields.BINARY), StandardCharsets.UTF_8)).isEqualTo("a-1,1,0.75\na-2,0,0.125\n");
    assertThat(new String(BatchFormat.CSV.errorLine("row 9: bad\nvalue"), StandardCharsets.UTF_8)).isEqualTo("#error,row 9: bad value\n");
    assertThat(BatchFormat.NDJSON.header(AnswerFields.BINARY)).isEmpty();
    assertThat(new String(BatchFormat.NDJSON.encode(out, AnswerFields.BINARY), StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"a-1\",\"class\":1,\"probability\":0.75}\n{\"id\":\"a-2\",\"class\":0,\"probability\":0.125}\n");
    assertThat(new String(BatchFormat.NDJSON.errorLine("line 3: \"x\""), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"line 3: \\\"x\\\"\"}\n");
    assertThat(BatchFormat.of("text/csv; charset=utf-8")).isEqualTo(BatchFormat.CSV);
    assertThat(BatchFormat.of("application/x-ndjson")).isEqualTo(BatchFormat.NDJSON);
  }
}
