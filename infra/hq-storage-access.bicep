// Lets the app's identity read and write the HQ tables when they live in their own storage
// account (main.bicep parameter hqStorageAccountName). Deployed into that account's resource group.

@description('Existing storage account that holds the HQ tables.')
param storageAccountName string

@description('Principal id of the function app\'s user-assigned identity.')
param principalId string

var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource hqStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hqStorage.id, principalId, storageTableDataContributor)
  scope: hqStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
