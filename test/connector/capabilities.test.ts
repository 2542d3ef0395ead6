import { describe, expect, it } from 'vitest';
import { getCapabilities } from '../../connector/capabilities.js';

describe('capabilities', () => {
  it('are the ones chosen for Graph', () => {
    expect(getCapabilities({})).toEqual({
      distinguishedNameStyle: 'Generic',
      isDnAsAnchor: false,
      objectRename: false,
      supportHierarchy: false,
      supportPartitions: false,
      noReferenceValuesInFirstExport: true,
      exportType: 'AttributeUpdate',
      objectConfirmation: 'Normal',
      deltaImport: true,
      concurrentOperation: true,
      deleteAddAsReplace: false,
      fullExport: false,
      supportPassword: true,
      exportPasswordInFirstPass: true,
      normalizations: 'None',
      supportImport: true,
      supportExport: true,
    });
  });

  it('do not depend on parameter values (MIM fixes them when the MA is created)', () => {
    expect(getCapabilities({ 'Graph API version': { value: 'beta' } })).toEqual(getCapabilities({}));
  });
});
