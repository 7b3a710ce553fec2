package dev.modelops.server.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.modelops.bundle.Feature;
import dev.modelops.bundle.RecordException;
import dev.modelops.bundle.Scorer;
import dev.modelops.server.ApiException;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The rows of a CSV body with a header row (RFC 4180: quoted fields, doubled quotes, blank lines
 * skipped, cells trimmed), read with Jackson's streaming CSV parser straight from the bytes to
 * each feature's value, one row at a time. Columns may come in any order; every feature must be
 * there, other columns are ignored. A bad row is an {@link ApiException} naming it ({@code row 12.tenure}).
 */
final class CsvRows implements Iterator<Object[]> {
  private static final CsvMapper CSV_MAPPER = new CsvMapper();

  private final List<Feature> features;
  private final CsvParser parser;
  private final int columns;
  /** For each column, the feature it feeds (-1: a column the model does not use). */
  private final int[] featureOf;
  private final List<String> cells;
  private long row;
  private boolean pending;

  /** Reads the header row; a missing header or feature column is an {@link ApiException}. */
  CsvRows(InputStream body, List<Feature> features) throws IOException {
    this.features = features;
    this.parser = (CsvParser) CSV_MAPPER.getFactory().createParser(body);
    parser.enable(CsvParser.Feature.TRIM_SPACES);
    parser.enable(CsvParser.Feature.SKIP_EMPTY_LINES);
    List<String> header = header(parser);
    this.columns = header.size();
    this.cells = new ArrayList<>(columns);
    this.featureOf = featureOf(header, features);
  }

  private static List<String> header(CsvParser parser) throws IOException {
    List<String> header = new ArrayList<>();
    try {
      if (parser.nextToken() == JsonToken.START_ARRAY) {
        while (parser.nextToken() == JsonToken.VALUE_STRING) {
          header.add(parser.getText());
        }
      }
    } catch (JsonProcessingException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the CSV header cannot be parsed: " + e.getOriginalMessage());
    }
    if (header.isEmpty() || header.stream().allMatch(String::isEmpty)) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the CSV has no header row; the first line must name the feature columns");
    }
    return header;
  }

  private static int[] featureOf(List<String> header, List<Feature> features) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      index.putIfAbsent(header.get(i), i);
    }
    int[] featureOf = new int[header.size()];
    Arrays.fill(featureOf, -1);
    for (int f = 0; f < features.size(); f++) {
      Integer c = index.get(features.get(f).name());
      if (c == null) {
        throw new ApiException(HttpStatus.BAD_REQUEST, features.get(f).name(), "the CSV header has no column '" + features.get(f).name()
            + "'; it needs every feature: " + features.stream().map(Feature::name).toList());
      }
      featureOf[c] = f;
    }
    return featureOf;
  }

  /** Reads the next row's cells, skipping blank lines; false at the end. */
  @Override
  public boolean hasNext() {
    try {
      while (!pending) {
        if (parser.nextToken() != JsonToken.START_ARRAY) {
          return false;
        }
        row++;
        cells.clear();
        while (parser.nextToken() == JsonToken.VALUE_STRING) {
          cells.add(parser.getText());
        }
        pending = !(cells.size() == 1 && cells.get(0).isBlank() && columns > 1);
        if (!pending) {
          row--;
        }
      }
      return true;
    } catch (IOException e) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row, "row " + row + " cannot be parsed: " + Json.message(e));
    }
  }

  @Override
  public Object[] next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    pending = false;
    if (cells.size() != columns) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row, "row " + row + " has " + cells.size() + " columns; the header has " + columns);
    }
    Object[] values = new Object[features.size()];
    for (int c = 0; c < featureOf.length; c++) {
      int f = featureOf[c];
      if (f >= 0) {
        try {
          values[f] = Scorer.fromCell(features.get(f), cells.get(c));
        } catch (RecordException e) {
          throw new ApiException(HttpStatus.BAD_REQUEST, "row " + row + "." + e.field(), "row " + row + ": " + e.getMessage());
        }
      }
    }
    return values;
  }
}
