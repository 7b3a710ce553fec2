/** The modelops.dev/v1alpha1 custom resources: Experiment, ModelVersion and DriftPolicy. */
package dev.modelops.api.v1alpha1;
